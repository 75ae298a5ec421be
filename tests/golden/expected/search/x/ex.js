(self.siteSearchData=self.siteSearchData||{})["x/ex"]={"df":"01","terms":"exampl"};
