(self.siteSearchData=self.siteSearchData||{})["x/ma"]={"df":"010401","terms":"mari match matter"};
