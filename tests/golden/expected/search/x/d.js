(self.siteSearchData=self.siteSearchData||{})["x/d"]={"df":"01","terms":"d"};
