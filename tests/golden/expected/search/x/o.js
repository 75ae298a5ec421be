(self.siteSearchData=self.siteSearchData||{})["x/o"]={"df":"01","terms":"o"};
