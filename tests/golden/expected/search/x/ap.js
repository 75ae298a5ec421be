(self.siteSearchData=self.siteSearchData||{})["x/ap"]={"df":"01","terms":"appli"};
