(self.siteSearchData=self.siteSearchData||{})["w/f"]={"terms":"f flow"};
