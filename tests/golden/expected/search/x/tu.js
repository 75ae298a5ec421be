(self.siteSearchData=self.siteSearchData||{})["x/tu"]={"df":"01","terms":"ture"};
