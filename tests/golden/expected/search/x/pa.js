(self.siteSearchData=self.siteSearchData||{})["x/pa"]={"df":"0202","terms":"paper pass"};
