(self.siteSearchData=self.siteSearchData||{})["x/wh"]={"df":"01","terms":"whose"};
