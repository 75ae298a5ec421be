(self.siteSearchData=self.siteSearchData||{})["w/o"]={"terms":"o on"};
