(self.siteSearchData=self.siteSearchData||{})["x/so"]={"df":"02","terms":"sort"};
