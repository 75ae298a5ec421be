(self.siteSearchData=self.siteSearchData||{})["x/wi"]={"df":"01","terms":"without"};
