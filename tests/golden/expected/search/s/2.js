(self.siteSearchData=self.siteSearchData||{})["s/2"]={"terms":"62"};
