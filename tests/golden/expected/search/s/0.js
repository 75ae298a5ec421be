(self.siteSearchData=self.siteSearchData||{})["s/0"]={"terms":"20"};
