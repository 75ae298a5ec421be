(self.siteSearchData=self.siteSearchData||{})["x/im"]={"df":"01","terms":"imagenet"};
