(self.siteSearchData=self.siteSearchData||{})["x/hu"]={"df":"01","terms":"human"};
