(self.siteSearchData=self.siteSearchData||{})["s/m"]={"terms":"emmi imagenet small"};
