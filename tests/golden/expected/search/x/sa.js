(self.siteSearchData=self.siteSearchData||{})["x/sa"]={"df":"02","terms":"sampl"};
