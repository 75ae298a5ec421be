(self.siteSearchData=self.siteSearchData||{})["w/2"]={"terms":"2 20"};
