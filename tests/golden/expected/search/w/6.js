(self.siteSearchData=self.siteSearchData||{})["w/6"]={"terms":"62"};
