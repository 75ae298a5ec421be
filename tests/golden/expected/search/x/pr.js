(self.siteSearchData=self.siteSearchData||{})["x/pr"]={"df":"010101","terms":"predict prefer properti"};
