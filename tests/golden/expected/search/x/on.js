(self.siteSearchData=self.siteSearchData||{})["x/on"]={"df":"03","terms":"on"};
