(self.siteSearchData=self.siteSearchData||{})["w/g"]={"terms":"gener generalis github give grace gradient graph"};
