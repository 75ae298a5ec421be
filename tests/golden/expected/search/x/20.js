(self.siteSearchData=self.siteSearchData||{})["x/20"]={"df":"01","terms":"20"};
