(self.siteSearchData=self.siteSearchData||{})["s/y"]={"terms":"synthesi"};
