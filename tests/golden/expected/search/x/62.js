(self.siteSearchData=self.siteSearchData||{})["x/62"]={"df":"01","terms":"62"};
