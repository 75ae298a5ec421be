(self.siteSearchData=self.siteSearchData||{})["w/i"]={"terms":"imagenet input"};
