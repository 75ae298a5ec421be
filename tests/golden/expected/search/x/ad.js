(self.siteSearchData=self.siteSearchData||{})["x/ad"]={"df":"01","terms":"ada"};
