(self.siteSearchData=self.siteSearchData||{})["x/no"]={"df":"0101","terms":"noether normal"};
