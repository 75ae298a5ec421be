(self.siteSearchData=self.siteSearchData||{})["w/w"]={"terms":"whose without"};
