(self.siteSearchData=self.siteSearchData||{})["x/at"]={"df":"01","terms":"atom"};
