(self.siteSearchData=self.siteSearchData||{})["x/be"]={"df":"01","terms":"between"};
