(self.siteSearchData=self.siteSearchData||{})["x/ho"]={"df":"01","terms":"hopper"};
