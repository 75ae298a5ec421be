(self.siteSearchData=self.siteSearchData||{})["x/tr"]={"df":"02","terms":"train"};
