(self.siteSearchData=self.siteSearchData||{})["s/x"]={"terms":"exampl"};
