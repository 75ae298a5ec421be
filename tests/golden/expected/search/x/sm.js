(self.siteSearchData=self.siteSearchData||{})["x/sm"]={"df":"01","terms":"small"};
