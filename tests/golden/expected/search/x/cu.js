(self.siteSearchData=self.siteSearchData||{})["x/cu"]={"df":"01","terms":"curi"};
