(self.siteSearchData=self.siteSearchData||{})["s/s"]={"terms":"ask"};
