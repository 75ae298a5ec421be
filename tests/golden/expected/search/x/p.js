(self.siteSearchData=self.siteSearchData||{})["x/p"]={"df":"01","terms":"p"};
