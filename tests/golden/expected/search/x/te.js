(self.siteSearchData=self.siteSearchData||{})["x/te"]={"df":"01","terms":"tenth"};
