(self.siteSearchData=self.siteSearchData||{})["x/q"]={"df":"01","terms":"q"};
