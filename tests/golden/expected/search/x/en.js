(self.siteSearchData=self.siteSearchData||{})["x/en"]={"df":"01","terms":"enough"};
