(self.siteSearchData=self.siteSearchData||{})["s/c"]={"terms":"scheme schmidhub score"};
