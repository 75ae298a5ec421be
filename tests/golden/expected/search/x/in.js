(self.siteSearchData=self.siteSearchData||{})["x/in"]={"df":"01","terms":"input"};
