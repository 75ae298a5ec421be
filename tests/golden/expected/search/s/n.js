(self.siteSearchData=self.siteSearchData||{})["s/n"]={"terms":"enough input on"};
