(self.siteSearchData=self.siteSearchData||{})["s/d"]={"terms":"ada"};
