(self.siteSearchData=self.siteSearchData||{})["s/t"]={"terms":"atom http step studi"};
