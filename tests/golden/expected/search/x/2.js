(self.siteSearchData=self.siteSearchData||{})["x/2"]={"df":"01","terms":"2"};
