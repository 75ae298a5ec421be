(self.siteSearchData=self.siteSearchData||{})["x/ht"]={"df":"01","terms":"http"};
