(self.siteSearchData=self.siteSearchData||{})["x/n"]={"df":"01","terms":"n"};
