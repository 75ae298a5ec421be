(self.siteSearchData=self.siteSearchData||{})["x/fl"]={"df":"02","terms":"flow"};
