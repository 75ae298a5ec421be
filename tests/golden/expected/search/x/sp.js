(self.siteSearchData=self.siteSearchData||{})["x/sp"]={"df":"02","terms":"speech"};
