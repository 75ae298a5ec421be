(self.siteSearchData=self.siteSearchData||{})["x/si"]={"df":"01","terms":"simul"};
