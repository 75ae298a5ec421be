(self.siteSearchData=self.siteSearchData||{})["s/g"]={"terms":"agre"};
