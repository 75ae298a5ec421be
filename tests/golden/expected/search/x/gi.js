(self.siteSearchData=self.siteSearchData||{})["x/gi"]={"df":"0101","terms":"github give"};
