(self.siteSearchData=self.siteSearchData||{})["x/al"]={"df":"01","terms":"alan"};
