(self.siteSearchData=self.siteSearchData||{})["x/s"]={"df":"01","terms":"s"};
